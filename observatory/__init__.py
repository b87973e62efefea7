"""Observatory's face: the CLI, the headless runner and the Textual TUI."""
