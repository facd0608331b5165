"""VADER compound scores from the PyPI package vaderSentiment itself (the reference for the Swift
port). Reads {"lexiconDir", "texts"} on stdin; writes {"compound": [..]}."""
import json
import os
import sys

request = json.load(sys.stdin)
sys.path.insert(0, os.path.dirname(request["lexiconDir"]))
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

analyzer = SentimentIntensityAnalyzer()
json.dump({"compound": [analyzer.polarity_scores(t)["compound"] for t in request["texts"]]}, sys.stdout)
