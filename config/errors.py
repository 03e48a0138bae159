"""The base of every error a service raises for a rule of the domain (not a bug)."""


class DomainError(Exception):
    """A request the rules refuse. The message is written for the person who asked."""
