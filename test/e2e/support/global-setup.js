// Jest globalSetup for the e2e project: build the pane once, before any browser starts.
const { ensurePaneBuilt } = require('./build-pane');

module.exports = async function globalSetup() {
  ensurePaneBuilt({ log: (m) => process.stdout.write(`${m}\n`) });
};
