//! Outbound sharing policy of a Phalanx node (under construction in this commit series).
