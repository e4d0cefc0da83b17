"""The lottery mini-program's GraphQL: claims for customers, the settlement for operators."""
