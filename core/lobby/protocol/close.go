package protocol

// Close codes the server closes connections with.
const (
	// CloseNormal: the lobby's seal completed.
	CloseNormal = 1000
	// CloseGoingAway: the server is shutting down.
	CloseGoingAway = 1001
	// CloseInternal: the server lost its shared state (Redis) for this
	// connection.
	CloseInternal = 1011
	// CloseRefused: the server refused something the client did or sent; the
	// reason says what (Godot's demo server uses 4000 for all of these).
	CloseRefused = 4000
)

// Close reasons. The first group are the demo server's words.
const (
	ReasonNoLobby          = "Have not joined lobby yet"
	ReasonHostDisconnected = "Room host has disconnected"
	ReasonOnlyHostCanSeal  = "Only host can seal the lobby"
	ReasonSealComplete     = "Seal complete"
	ReasonTooManyLobbies   = "Too many lobbies open, disconnecting"
	ReasonAlreadyInLobby   = "Already in a lobby"
	ReasonLobbyNotFound    = "Lobby does not exists"
	ReasonLobbySealed      = "Lobby is sealed"
	ReasonInvalidFormat    = "Invalid message format"
	ReasonNeedLobby        = "Invalid message when not in a lobby"
	ReasonInvalidDest      = "Invalid destination"
	ReasonInvalidCommand   = "Invalid command"
	ReasonTooManyPeers     = "Too many peers connected"
	ReasonNotText          = "Invalid transfer mode, must be text"

	ReasonLobbyFull       = "Lobby is full"
	ReasonInvalidMode     = "Invalid lobby mode, must be 0 (mesh) or 1 (server)"
	ReasonTooManyMessages = "Too many messages, slow down"
	ReasonTooManyJoins    = "Too many joins from this address, slow down"
	ReasonTooSlow         = "Not reading fast enough"
	ReasonShutdown        = "Server shutting down"
	ReasonStateLost       = "Lobby state unavailable"
)
