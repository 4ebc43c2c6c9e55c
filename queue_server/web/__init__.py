"""The centre on the network: HTTP API, websocket hub endpoint, static pages."""
