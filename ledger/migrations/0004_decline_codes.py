from tortoise import migrations
from tortoise.migrations import operations as ops
from ledger.errors import DeclineCode
from tortoise import fields

# Declines stored before this migration name the error's class; from now on its stable code.
_RENAMED = {
    "AccountNotFound": "ACCOUNT_NOT_FOUND",
    "AccountFrozen": "ACCOUNT_FROZEN",
    "AccountClosed": "ACCOUNT_CLOSED",
    "InsufficientFunds": "INSUFFICIENT_FUNDS",
    "LimitExceeded": "LIMIT_EXCEEDED",
    "AlreadyReversed": "ALREADY_REVERSED",
}


def _rename(pairs) -> list[str]:
    return [f"UPDATE ledger_declined_request SET code = '{new}' WHERE code = '{old}'" for old, new in pairs]


class Migration(migrations.Migration):
    dependencies = [('ledger', '0003_declined_requests')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='DeclinedRequest',
            name='code',
            field=fields.CharEnumField(description='ACCOUNT_NOT_FOUND: ACCOUNT_NOT_FOUND\nACCOUNT_FROZEN: ACCOUNT_FROZEN\nACCOUNT_CLOSED: ACCOUNT_CLOSED\nINSUFFICIENT_FUNDS: INSUFFICIENT_FUNDS\nLIMIT_EXCEEDED: LIMIT_EXCEEDED\nALREADY_REVERSED: ALREADY_REVERSED', enum_type=DeclineCode, max_length=32),
        ),
        ops.RunSQL(
            _rename(_RENAMED.items()),
            reverse_sql=_rename((new, old) for old, new in _RENAMED.items()),
        ),
    ]
