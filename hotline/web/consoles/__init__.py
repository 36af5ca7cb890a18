"""The role consoles: dispatcher, unit workbench, supervisor, reviewer, callback, leader."""
