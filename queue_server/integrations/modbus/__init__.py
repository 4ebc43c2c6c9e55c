"""LED signs wired to the server (devices/modbus), following their counters."""
