"""Microsoft Teams: its Adaptive Cards (`cards`); the Bot Framework adapter comes next."""
