"""Shared test configuration: ``pytester`` runs downstream test files for the plugin's tests."""

pytest_plugins = ["pytester"]
