"""Shared test configuration: ``pytester`` runs downstream test files for the plugin's tests;
``tests.targets`` runs the KV, D1 and session behaviour tests on two targets."""

pytest_plugins = ["pytester", "tests.targets"]
