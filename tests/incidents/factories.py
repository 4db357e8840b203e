"""The incidents factories live in tests/factories/; imported here for the incidents tests."""

from tests.factories.incidents import BASE, IncidentFactory, ServiceFactory, TimelineEventFactory

__all__ = ["BASE", "IncidentFactory", "ServiceFactory", "TimelineEventFactory"]
