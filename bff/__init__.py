"""The GraphQL backend-for-frontend: a thin layer over the domain packages."""
