// n8n loads the node and credential files listed in the "n8n" section of package.json;
// there is nothing to require from the package root.
module.exports = {};
