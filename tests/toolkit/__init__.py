"""Tests of the users' toolkit: testing, strategies, verification, pytest_plugin."""
