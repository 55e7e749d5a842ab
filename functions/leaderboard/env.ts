/** The leaderboard table's name, set by the Leaderboard construct. */
export const LEADERBOARD_TABLE_ENV = 'LEADERBOARD_TABLE';
