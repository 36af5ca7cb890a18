"""Page views of the staff consoles and the citizens' portal (one module per area)."""
