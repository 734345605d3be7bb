/* Prints the layout of the header's structs for the C# binding's test. */
#include <stddef.h>
#include <stdio.h>

#include "meshrtc.h"

#define SIZE(s) printf("size %s %zu\n", #s, sizeof(s))
#define OFF(s, f) printf("offset %s %s %zu\n", #s, #f, offsetof(s, f))

int main(void) {
    SIZE(meshrtc_peer_event);
    OFF(meshrtc_peer_event, type);
    OFF(meshrtc_peer_event, state);
    OFF(meshrtc_peer_event, index);
    OFF(meshrtc_peer_event, reserved);
    OFF(meshrtc_peer_event, channel);
    OFF(meshrtc_peer_event, sdp_type);
    OFF(meshrtc_peer_event, sdp);
    OFF(meshrtc_peer_event, media);
    OFF(meshrtc_peer_event, name);
    SIZE(meshrtc_peer_stats);
    OFF(meshrtc_peer_stats, local_candidate_type);
    OFF(meshrtc_peer_stats, remote_candidate_type);
    OFF(meshrtc_peer_stats, rtt_us);
    OFF(meshrtc_peer_stats, bytes_sent);
    OFF(meshrtc_peer_stats, bytes_received);
    OFF(meshrtc_peer_stats, packets_sent);
    OFF(meshrtc_peer_stats, packets_received);
    SIZE(meshrtc_channel_stats);
    OFF(meshrtc_channel_stats, messages_sent);
    OFF(meshrtc_channel_stats, messages_received);
    OFF(meshrtc_channel_stats, bytes_sent);
    OFF(meshrtc_channel_stats, bytes_received);
    SIZE(meshrtc_lobby_event);
    OFF(meshrtc_lobby_event, type);
    OFF(meshrtc_lobby_event, peer_id);
    OFF(meshrtc_lobby_event, mesh);
    OFF(meshrtc_lobby_event, code);
    OFF(meshrtc_lobby_event, text);
    SIZE(meshrtc_packet_info);
    OFF(meshrtc_packet_info, size);
    OFF(meshrtc_packet_info, is_string);
    OFF(meshrtc_packet_info, peer_id);
    OFF(meshrtc_packet_info, channel);
    OFF(meshrtc_packet_info, mode);
    OFF(meshrtc_packet_info, reserved);
    return 0;
}
