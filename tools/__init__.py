"""Developer tools (not part of the installed service): synthetic document generation."""
