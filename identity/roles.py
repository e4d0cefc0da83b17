from enum import Enum


class Role(str, Enum):
    CUSTOMER = "customer"
    DEVELOPER = "developer"
    OPERATOR = "operator"
    REVIEWER = "reviewer"
    ADMIN = "admin"
