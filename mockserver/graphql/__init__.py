"""The vendor's GraphQL endpoint: the schema (`schema.graphql`) bound to resolvers, the bounded
document cache, the executor and its fast path for the documented operation shapes."""
