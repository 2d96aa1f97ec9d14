package bridge

// MaxInputSize is the largest input the page hands the bridge, in bytes:
// far above any registration response or policy document, and room for a
// tenant snapshot of several thousand users. graphadapter allows larger
// snapshots for the CLI; a browser tab should not hold them twice.
const MaxInputSize = 32 << 20

// MaxMDSSize is the largest FIDO MDS3 BLOB the page reads (mds.DefaultMaxSize;
// FIDO's production BLOB is a few megabytes).
const MaxMDSSize = 16 << 20

// maxWhatIfUsers bounds the user list a snapshot view carries for the
// what-if panel; a larger tenant lists its first users and says so.
const maxWhatIfUsers = 5000

// maxFindingUsers bounds the users a finding lists on the page; the count
// is always given.
const maxFindingUsers = 20
