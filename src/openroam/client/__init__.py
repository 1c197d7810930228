"""The httpx client for partners' OCPI endpoints."""
