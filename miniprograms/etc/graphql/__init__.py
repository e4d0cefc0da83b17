"""ETC's GraphQL: the customer's cards, debits and disputes; operators' disputes, merchants and statements."""
