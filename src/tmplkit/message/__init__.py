"""The message stage: an emitted HTML part made ready to render many times, and its channels.

inline (compile-time CSS inlining, built on tags, stylesheet, checks and restore), textpart
(the plain-text part) and sms (what a text costs as an SMS). Nothing is imported here, so that
importing one module loads only what it needs.
"""
