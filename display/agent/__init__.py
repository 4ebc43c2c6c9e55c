"""The display agent: drives serial LED displays far from the server, fed by the hub."""
