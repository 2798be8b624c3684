// The few jStat functions the experiment statistics use (the package ships no types).
declare module "jstat" {
  type Distribution<P extends number[]> = {
    pdf(x: number, ...params: P): number
    cdf(x: number, ...params: P): number
    inv(p: number, ...params: P): number
  }
  export const jStat: {
    beta: Distribution<[alpha: number, beta: number]>
    normal: Distribution<[mean: number, sd: number]>
  }
}
