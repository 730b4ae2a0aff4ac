"""The engine of the bank back-office RPA suite.

It knows nothing of any one portal: settings, the exception tree, the durable work queue, the
audit chain, run folders, the browser and selectors. Bots live in `bots/`, business flows in
`flows/`.
"""

__version__ = "0.1.0"
