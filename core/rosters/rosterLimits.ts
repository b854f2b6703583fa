/**
 * How big a roster file may be. Generous for real rosters (Excel itself stops
 * at 1,048,576 rows and 32,767 characters a cell); their purpose is to refuse
 * a broken or hostile file before it fills the memory or the disk.
 */
export interface RosterLimits {
  /** Data rows (the header not counted). */
  maxRows: number;
  maxColumns: number;
  /** Characters in one cell; Excel's own maximum. */
  maxCellLength: number;
  /** Sum of the declared uncompressed sizes of an xlsx's zip entries, and of the bytes actually inflated. */
  maxUncompressedBytes: number;
  /** An entry that inflates more than this many times its compressed size ... */
  maxCompressionRatio: number;
  /** ... and to more than this many bytes is treated as a zip bomb (small, highly compressible sheets are normal). */
  ratioCheckMinBytes: number;
}

export const DEFAULT_ROSTER_LIMITS: RosterLimits = {
  maxRows: 2_000_000,
  maxColumns: 500,
  maxCellLength: 32_767,
  maxUncompressedBytes: 1024 * 1024 * 1024,
  maxCompressionRatio: 200,
  ratioCheckMinBytes: 64 * 1024 * 1024,
};
