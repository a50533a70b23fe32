"""The API plane: the vendor's REST routes and the video download, and the one endpoint wrapper
(admission, journal, errors) that every API request goes through, GraphQL's included."""
