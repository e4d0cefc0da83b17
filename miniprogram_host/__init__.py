"""The mini-program host: developer apps, signed packages, review and staged releases."""
