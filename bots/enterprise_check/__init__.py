"""Page objects of the central bank's 企业信息联网核查系统 (enterprise registration check): `pages`."""
