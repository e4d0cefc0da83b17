"""Who the user is: phone login with one-time codes, sessions bound to devices, roles."""
