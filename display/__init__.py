"""The pages and the display agent: what citizens and staff look at."""
