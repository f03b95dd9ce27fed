// The CI machine has no internet: use the system browsers, never download one.
module.exports = { skipDownload: true };
