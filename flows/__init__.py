"""Business flows: input -> validated records -> work items -> bot -> outputs."""
