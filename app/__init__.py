"""The application: the `cloudai` command (app/cli.py), which wires the platform-free core
(bot/) to the chat platforms (adapters/). bot/ imports nothing from here or from adapters/."""
