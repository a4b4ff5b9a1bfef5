"""Backends schedule cells; they never compute anything themselves.

A backend gets a list of cell jobs and a function that runs one, and returns the
finished cell ids. ``local`` (the default) runs them in this process or in a pool of
worker processes on this machine.
"""
