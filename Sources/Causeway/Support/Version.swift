/// Causeway's version, written into every output's provenance.
public let causewayVersion = "0.1.0"
