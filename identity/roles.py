from enum import Enum


class Role(str, Enum):
    CUSTOMER = "customer"
    DEVELOPER = "developer"
    OPERATOR = "operator"
    REVIEWER = "reviewer"
    ADMIN = "admin"
    CREDIT_OFFICER = "credit_officer"  # the bank's lending staff: decide lease-financing applications
