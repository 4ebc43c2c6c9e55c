"""The live path: committed events -> typed messages -> every websocket client.

Three pieces, each with one job: `projection` turns a batch of events into messages
for topics (pure), `fanout` writes them to the subscribers of those topics (asyncio
transports, frames made by an injected encoder), `conversation` is what a client and
the server say on `/ws` before and around that (sans-I/O).  `messages` and `topics`
are their shared vocabulary.  Nothing here imports the web handlers or app.py.
"""
