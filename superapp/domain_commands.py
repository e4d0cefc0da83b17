"""Domain subcommands of `superapp`, registered with ``infra.commands.command``.

Each domain adds one import line here; its module registers its commands on import.
"""

import superapp.money_commands  # noqa: F401 - superapp ledger reconcile [--date]|expire-holds, superapp worker clearing
import miniprogram_host.cli  # noqa: F401 - superapp mp publish|status
import tracking.commands  # noqa: F401 - superapp worker tracking
import openplatform.commands  # noqa: F401 - superapp worker webhooks, superapp webhooks redeliver
import kyc.cli  # noqa: F401 - superapp ocr idcard, superapp face verify, superapp kyc purge
import audit.cli  # noqa: F401 - superapp audit verify
