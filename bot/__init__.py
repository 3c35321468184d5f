"""cloudai core: load Markdown knowledge, index its sections, answer questions.

This package is platform-neutral: it imports nothing from slack_bolt, slack_sdk or
discord. Adapters turn platform events into `Assistant.reply(text)` calls and render
the `Reply` they get back.
"""

__version__ = "0.1.0"
