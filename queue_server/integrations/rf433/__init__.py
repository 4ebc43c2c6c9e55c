"""Radio call buttons (devices/rf433): receivers, code bindings, learn mode."""
