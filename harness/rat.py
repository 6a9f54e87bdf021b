"""errors layer (bottom, no harness imports): radio access technologies the harness knows."""

from enum import StrEnum


class Rat(StrEnum):
    NB_IOT = "nbiot"
    LTE_M = "ltem"
    CAT1 = "cat1"
    REDCAP = "redcap"
