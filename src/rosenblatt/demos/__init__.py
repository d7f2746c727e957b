"""Demonstrations run by ``rosenblatt demo NAME``: each is a function that prints what it
does and writes its figures into a folder."""
