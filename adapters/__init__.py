"""Platform adapters (Slack, Discord): thin translations between a platform and `bot.Assistant`."""
