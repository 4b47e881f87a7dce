package pcsc

// PeakContexts is the most PC/SC contexts s has held at once.
func PeakContexts(s *Service) int { return int(s.peak.Load()) }
