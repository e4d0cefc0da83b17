"""The mini-program runtime: the JSAPI bridge a running mini-program calls, and user consent."""
