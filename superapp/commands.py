"""Domain subcommands of `superapp`, registered with ``superapp.cli.command``.

Each domain adds one import line here; its module registers its commands on import.
"""

import tracking.commands  # noqa: F401 - superapp worker tracking
