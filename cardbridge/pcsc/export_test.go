package pcsc

// PeakContexts is the most PC/SC contexts s has held at once.
func PeakContexts(s *Service) int { return int(s.peak.Load()) }

// Connections is how many card connections s has made.
func Connections(s *Service) int { return int(s.opened.Load()) }
