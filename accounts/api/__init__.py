"""REST API of accounts (serializers, views, urls, included from ``fund_center.api_urls``); not exposed yet."""
