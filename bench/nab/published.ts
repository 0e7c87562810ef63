/**
 * Published NAB v1.1 figures used as references: the standard-profile scoreboard (full corpus of
 * 58 files) and Windowed Gaussian's per-file raw scores from NAB's
 * results/windowedGaussian/windowedGaussian_standard_scores.csv (threshold 1.0), which the
 * scorer and baseline here must reproduce file by file.
 */
export const PUBLISHED_STANDARD_SCORES: ReadonlyArray<{ detector: string; score: string }> = [
  { detector: 'Perfect', score: '100.0' },
  { detector: 'Numenta HTM', score: '≈ 70 (69.7–70.5)' },
  { detector: 'Random Cut Forest', score: '51.7' },
  { detector: 'Windowed Gaussian', score: '39.6' },
  { detector: 'Null', score: '0.0' },
];

/** NAB file → Windowed Gaussian raw standard score, TP and FP row counts at threshold 1.0. */
export const PUBLISHED_WINDOWED_GAUSSIAN: Readonly<Record<string, { score: number; tp: number; fp: number }>> = {
  'artificialWithAnomaly/art_daily_jumpsup.csv': { score: -1.0, tp: 0, fp: 0 },
  'artificialWithAnomaly/art_load_balancer_spikes.csv': { score: -0.692444609523, tp: 18, fp: 15 },
  'realAdExchange/exchange-2_cpc_results.csv': { score: -1.0, tp: 0, fp: 0 },
  'realAdExchange/exchange-3_cpc_results.csv': { score: 2.50266326119, tp: 5, fp: 1 },
  'realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv': { score: 0.956537840284, tp: 36, fp: 0 },
  'realAWSCloudwatch/ec2_cpu_utilization_ac20cd.csv': { score: 0.86067182427, tp: 25, fp: 0 },
  'realAWSCloudwatch/grok_asg_anomaly.csv': { score: 2.37942230674, tp: 69, fp: 3 },
  'realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv': { score: -2.0, tp: 0, fp: 0 },
  'realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv': { score: -0.138449197924, tp: 50, fp: 0 },
  'realKnownCause/ec2_request_latency_system_failure.csv': { score: 2.02150685678, tp: 8, fp: 0 },
  'realKnownCause/rogue_agent_key_hold.csv': { score: -2.44, tp: 0, fp: 4 },
  'realKnownCause/nyc_taxi.csv': { score: -5.0, tp: 0, fp: 0 },
  'realTraffic/TravelTime_387.csv': { score: -1.79598133079, tp: 1, fp: 6 },
  'realTraffic/TravelTime_451.csv': { score: -1.0, tp: 0, fp: 0 },
  'realTraffic/occupancy_6005.csv': { score: -1.0, tp: 0, fp: 0 },
  'realTraffic/occupancy_t4013.csv': { score: 1.72522152023, tp: 3, fp: 0 },
  'realTraffic/speed_6005.csv': { score: 0.832538201468, tp: 1, fp: 0 },
  'realTraffic/speed_7578.csv': { score: 3.47059145681, tp: 11, fp: 1 },
  'realTraffic/speed_t4013.csv': { score: 1.76631783122, tp: 14, fp: 0 },
};
