"""One module per physics; modules never import each other and talk only through fields."""
